"""Writes shared/events/asyncapi.yaml from the catalogue and what each app subscribes to."""

from tools.asyncapi.document import PATH, render

if __name__ == "__main__":
    PATH.write_text(render())
    print(PATH)
