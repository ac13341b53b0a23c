"""vidgen_edu: the companion library of the vidgen-edu course on video generation.

Layers, bottom to top (a module imports only from layers below it):
``video``, ``data``, ``foundations``; ``models``, ``metrics``; ``training``;
``privacy``, ``widgets``; ``course``, ``exercises``, ``cli``.

Importing the package sets one environment variable, ``OMP_WAIT_POLICY=PASSIVE`` (unless it is
set), before anything here imports torch: see ``vidgen_edu.threads``.
"""

from vidgen_edu.threads import set_passive_wait

set_passive_wait()  # must run before torch loads; processes started later inherit it

__version__ = "0.1.0"
