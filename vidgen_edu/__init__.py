"""vidgen_edu: the companion library of the vidgen-edu course on video generation.

Layers, bottom to top (a module imports only from layers below it):
``video``, ``data``, ``foundations``; ``models``, ``metrics``; ``training``;
``privacy``, ``widgets``; ``course``, ``exercises``, ``cli``.
"""

__version__ = "0.1.0"
