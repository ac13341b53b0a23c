"""The one exception the video layer raises for bad input (defined in ``vidgen_edu.errors``).

Every problem with a user's video (a missing, empty, truncated or non-video file, an unknown
extension, frames of the wrong dtype, shape or with NaNs) ends in ``VideoError``, never in a bare
ffmpeg traceback.
"""

from vidgen_edu.errors import VideoError

__all__ = ["VideoError"]
