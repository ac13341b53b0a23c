"""The one exception the video layer raises for bad input."""


class VideoError(ValueError):
    """A video file or array that cannot be used, with what was wrong and what to do.

    Every problem with a user's video (a missing, empty, truncated or non-video file, an
    unknown extension, frames of the wrong dtype, shape or with NaNs) ends in this class,
    never in a bare ffmpeg traceback.
    """
