import marshmallow as ma


class ComponentHealthSchema(ma.Schema):
    ok = ma.fields.Boolean()
    detail = ma.fields.String()


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok, or degraded when a component is down"})
    version = ma.fields.String()
    database = ma.fields.Nested(ComponentHealthSchema)
    queue = ma.fields.Nested(ComponentHealthSchema)
