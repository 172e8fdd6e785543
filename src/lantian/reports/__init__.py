"""Report writers (报表): task exports now; the monthly bulletin and charts later."""
