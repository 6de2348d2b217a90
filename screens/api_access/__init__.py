"""api_access"""
