"""consult: labour-law consultations and a public Q&A archive for a teachers' trade union."""

__version__ = "0.1.0"
