"""The types Django's admin gives lists of field names, for the consoles' overrides of ``get_fields`` and the like.

django-stubs types ``fields`` as a list or tuple of names or of groups of names. Lists are invariant, so a method
returning ``list[str]`` does not override ``get_fields``; overrides return these instead.
"""

from typing import TypeAlias

FieldGroups: TypeAlias = list[str | list[str] | tuple[str, ...]] | tuple[str | list[str] | tuple[str, ...], ...]
FieldNames: TypeAlias = list[str] | tuple[str, ...]
