"""Heavy-pollution weather (重污染天气): forecasts, warning levels, forecast verification."""
