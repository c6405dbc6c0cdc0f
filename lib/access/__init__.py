"""Access control: who may see which experiment, sign-in, throttling, credentials kept out of logs."""
