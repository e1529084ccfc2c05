"""``python -m scripts.train_mnist``: the ``ann-train`` command (``ann.commands.train_mnist``)."""

from ann.commands.train_mnist import command

if __name__ == "__main__":
    command()
