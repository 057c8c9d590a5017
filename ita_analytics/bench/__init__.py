"""The speed benchmark (``python -m ita_analytics bench``): tooling beside the product, never imported by it.

It may import the dashboard and the command line (it times them); they import it only inside the
``bench`` command's handler.
"""
