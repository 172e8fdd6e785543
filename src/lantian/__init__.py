"""lantian (蓝天): plans, tasks, monitoring and accountability for air-pollution campaign offices."""

__version__ = "0.1.0"
