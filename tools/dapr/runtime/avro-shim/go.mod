// Stand-in for github.com/iskorotkov/avro/v2 (not served by the module proxy).
// daprd only uses it to cap avro allocations for the Pulsar pub/sub component.
module github.com/iskorotkov/avro/v2

go 1.24

require github.com/hamba/avro/v2 v2.29.0

require (
	github.com/go-viper/mapstructure/v2 v2.2.1 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
)
