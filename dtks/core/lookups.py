"""Lookups the ORM lacks."""

from django.db.models import Lookup


class InArray(Lookup):
    """`column = ANY(%s)`: the values as one array parameter, `qs.filter(InArray(F("pk"), ids))`.

    `pk__in=ids` writes one placeholder per value; at the thousands of ids of a bulk decision's chunk,
    building, quoting and parsing them cost more than reading the rows. Integers go as one array
    literal (`int_array`)."""

    lookup_name = "in_array"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [int_array(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array = f"{self.lhs.output_field.cast_db_type(connection)}[]"
        return f"{lhs} = ANY(({rhs})::{array})", (*lhs_params, *rhs_params)


def int_array(values):
    """A list of integers as PostgreSQL's text of an array, `{1,2,3}`, for a parameter cast to an
    integer array: psycopg adapts a list element by element in Python (≈ 2 ms per 1,000 values), the
    text is one join. Anything else is returned as it is, for the driver to adapt."""
    if isinstance(values, list | tuple) and all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    return values
