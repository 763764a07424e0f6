"""Photos and images in blob storage, through a Dapr output binding.

`bindings.localstorage` locally, Azure Blob Storage on Azure: the metadata
carries both names for the file (`fileName` / `blobName`).
"""

from dapr.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError

from shared.errors import Transient


class DaprBlobStore:
    def __init__(self, client: DaprClient, binding: str) -> None:
        self._client = client
        self._binding = binding

    def _call(self, operation: str, name: str, data: bytes = b"") -> bytes:
        try:
            response = self._client.invoke_binding(
                self._binding,
                operation,
                data,
                binding_metadata={"fileName": name, "blobName": name},
            )
        except DaprGrpcError as exc:
            raise Transient(f"blob {operation} failed: {exc.code()}") from exc
        return bytes(response.data)

    def put(self, name: str, data: bytes) -> None:
        self._call("create", name, data)

    def get(self, name: str) -> bytes:
        return self._call("get", name)

    def delete(self, name: str) -> None:
        self._call("delete", name)
