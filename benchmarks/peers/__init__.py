"""Independent peer implementations of the tumour-invasion model used as speed references."""
