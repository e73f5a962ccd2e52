def angka(n: int) -> str:
    """12345 -> '12.345' (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")
