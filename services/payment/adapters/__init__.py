"""I/O for the payment service: Stripe and the database."""
