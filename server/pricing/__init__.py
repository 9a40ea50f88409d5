"""Pricing on the server: the product catalogue, promotions as versioned data, coupons, segments,
quotes and usage counting, all around the pure ``promotions`` engine."""
