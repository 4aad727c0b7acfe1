"""flask-restful resources, one module per noun; `api.routes` lists their URLs."""
