"""Written questions: ask a lawyer without a call, get the answer by email."""
