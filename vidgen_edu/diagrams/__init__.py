"""Explanatory pictures drawn by code (matplotlib): the course draws its own figures.

One module per picture family, each a function that returns a ``matplotlib.figure.Figure``
(the notebook shows it; nothing is written to disk). This layer stands alone, like ``video``.
"""
