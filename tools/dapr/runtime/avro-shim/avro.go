// Package avro keeps the one call daprd makes on the iskorotkov fork and
// forwards the limit to hamba/avro, which upstream pulsar-client-go uses.
package avro

import hamba "github.com/hamba/avro/v2"

// Config holds the allocation caps daprd sets at start-up.
type Config struct {
	MaxSliceAllocSize int
	MaxMapAllocSize   int
}

// API is the frozen configuration.
type API = hamba.API

// DefaultConfig mirrors hamba's default.
var DefaultConfig = hamba.DefaultConfig

// Freeze applies the caps to hamba's default configuration.
func (c Config) Freeze() API {
	hamba.DefaultConfig = hamba.Config{MaxSliceAllocSize: c.MaxSliceAllocSize}.Freeze()
	return hamba.DefaultConfig
}
