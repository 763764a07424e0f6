"""Photos and images in blob storage, through a Dapr output binding.

`bindings.localstorage` locally, Azure Blob Storage on Azure: the metadata carries both
names for the file (`fileName` / `blobName`). The SDK's gRPC call carries the bytes as they
are, up to daprd's --max-body-size (shared/settings.py). localstorage would decode a body
that reads as base64 or as a quoted string; what we keep is a picture (JPEG, PNG, WebP or
HEIC, by content), whose first byte is neither.
"""

from shared.dapr.client import DaprClient, calling


class DaprBlobStore:
    def __init__(self, client: DaprClient, binding: str) -> None:
        self._client = client
        self._binding = binding

    def _call(self, operation: str, name: str, data: bytes = b"") -> bytes:
        """Transient when the sidecar or the storage fails."""
        with calling(f"binding {self._binding} {operation}"):
            answer = self._client.invoke_binding(
                self._binding, operation, data, {"fileName": name, "blobName": name}
            )
        return bytes(answer.data)

    def put(self, name: str, data: bytes) -> None:
        self._call("create", name, data)

    def get(self, name: str) -> bytes:
        return self._call("get", name)

    def delete(self, name: str) -> None:
        self._call("delete", name)
