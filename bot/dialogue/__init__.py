"""The dialogue engine: a plain-Python turn function over flows, with the crisis guard."""
