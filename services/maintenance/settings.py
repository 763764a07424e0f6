from shared.settings import ServiceSettings


class MaintenanceSettings(ServiceSettings):
    app_id: str = "maintenance"
