"""Lookups the ORM lacks."""

from django.db.models import Lookup


class InArray(Lookup):
    """`column = ANY(%s)`: the values as one array parameter, `qs.filter(InArray(F("pk"), ids))`.

    `pk__in=ids` writes one placeholder per value; at the thousands of ids of a bulk decision's chunk,
    building, quoting and parsing them cost more than reading the rows."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array = f"{self.lhs.output_field.cast_db_type(connection)}[]"
        return f"{lhs} = ANY(({rhs})::{array})", (*lhs_params, *rhs_params)
