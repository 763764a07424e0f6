"""Photos and images in blob storage, through a Dapr output binding.

`bindings.localstorage` locally, Azure Blob Storage on Azure: the metadata carries both
names for the file (`fileName` / `blobName`). Over the sidecar's HTTP API the bytes go
as base64, which localstorage decodes by itself and the Azure binding decodes with its
`decodeBase64` setting (components/production/blobstore.yaml).
"""

import base64

from shared.dapr.sidecar import Sidecar


class DaprBlobStore:
    def __init__(self, sidecar: Sidecar, binding: str) -> None:
        self._sidecar = sidecar
        self._binding = binding

    def _call(self, operation: str, name: str, data: bytes | None = None) -> bytes:
        """Transient when the sidecar or the storage fails."""
        payload = base64.b64encode(data).decode() if data is not None else None
        metadata = {"fileName": name, "blobName": name}
        return self._sidecar.invoke_binding(self._binding, operation, payload, metadata)

    def put(self, name: str, data: bytes) -> None:
        self._call("create", name, data)

    def get(self, name: str) -> bytes:
        return self._call("get", name)

    def delete(self, name: str) -> None:
        self._call("delete", name)
