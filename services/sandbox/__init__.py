"""The sandbox: plays the outside parties (Twilio, Meta, Astria, Stripe) locally and in tests."""
