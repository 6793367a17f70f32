"""SmartCustoms — an open-source smart-customs platform (智慧海关)."""

__version__ = "0.1.0"
