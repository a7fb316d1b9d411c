"""Base class of the row iterators of customGrammar modules."""


class CustomRowIterator(object):
    """Subclass it as RowIterator in the module a customGrammar names and write _iterRows
    (yielding dicts); self.grammar and self.sourceToken are set."""

    def __init__(self, grammar, sourceToken, sourceRow=None):
        self.grammar = grammar
        self.sourceToken = sourceToken
        self.sourceRow = sourceRow

    def _iterRows(self):
        return iter(())

    def __iter__(self):
        return iter(self._iterRows())

    def getParameters(self):
        return {}

    def getLocator(self):
        return str(self.sourceToken)


RowIterator = CustomRowIterator
