from shared.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    app_id: str = "payment"
