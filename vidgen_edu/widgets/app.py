"""The studio as a standalone page: ``make app`` serves this file with Voilà.

Voilà runs the file as one notebook cell in a fresh kernel for each visitor and shows only the
widgets. Exports go to ``$VIDGEN_EDU_EXPORT_DIR`` (``make app`` sets build/app), else a temporary folder;
the download link under the clip carries the file either way. Importing this module does nothing (the guard below is true only when it is run).

    voila --no-browser --Voila.ip=127.0.0.1 --port=8866 \\
        --VoilaConfiguration.extension_language_mapping='{".py": "python"}' \\
        vidgen_edu/widgets/app.py
"""

import os
import tempfile

from IPython.display import HTML, display

from vidgen_edu.widgets import GenerationStudio

if __name__ == "__main__":  # a kernel runs its cells as __main__; an import does not
    checkpoint = os.environ.get("VIDGEN_EDU_CHECKPOINT", "pretrained")
    out_dir = os.environ.get(
        "VIDGEN_EDU_EXPORT_DIR", os.path.join(tempfile.gettempdir(), "vidgen_studio")
    )
    display(HTML("<h2>vidgen-edu · generation studio</h2>"))
    display(GenerationStudio(checkpoint, out_dir=out_dir).ui)
