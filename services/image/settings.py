from shared.settings import ServiceSettings


class ImageSettings(ServiceSettings):
    app_id: str = "image"
