"""Pure rules of the image service: what makes a usable selfie."""
