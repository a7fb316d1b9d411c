from gavo.grammars.customgrammar import CustomRowIterator as RowIterator  # noqa: F401
