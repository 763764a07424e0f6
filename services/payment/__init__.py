"""The payment service: a Stripe Checkout Session per order, and Stripe's payment webhook."""
