"""The payment service: Creates Stripe Checkout Sessions per order and receives Stripe's payment webhook."""
