"""The sandbox: plays every outside party (Twilio, Meta, Astria, Stripe) for local runs and tests."""
