"""How a lower app lets an upper one act inside its transaction without importing it.

A `Hook` is declared by the app that calls it (e.g. facilities.hooks.staff_removed), with the
keyword arguments every receiver gets; the upper app connects its receiver from its
AppConfig.ready() (the receiver is named in the hook's docstring, so a reader can follow the
trail). `call()` runs every receiver in the caller's transaction and returns their results;
an exception in a receiver rolls the caller back.
"""


class Hook:
    def __init__(self, name, *, args):
        self.name = name
        self.args = frozenset(args)
        self._receivers = []

    def connect(self, fn):
        """Add a receiver (once); returns a function that disconnects it (for tests)."""
        if fn not in self._receivers:
            self._receivers.append(fn)

        def undo():
            if fn in self._receivers:
                self._receivers.remove(fn)

        return undo

    def call(self, **kwargs):
        """Every receiver's result, in the order they connected."""
        if set(kwargs) != self.args:
            raise TypeError(f"hook {self.name} takes {sorted(self.args)}, got {sorted(kwargs)}")
        return [fn(**kwargs) for fn in list(self._receivers)]

    def __repr__(self):
        return f"<Hook {self.name}>"
