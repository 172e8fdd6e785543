"""The command line (命令行): ``lantian …``. Parses input, calls a service, renders; maps errors."""
