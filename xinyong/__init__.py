"""xinyong (信用): a public credit information platform for local credit offices."""

__version__ = "0.1.0"
