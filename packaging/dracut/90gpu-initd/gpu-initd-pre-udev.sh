#!/bin/sh
# dracut pre-udev hook (sourced by dracut's init: no exit here): bind the
# passthrough GPUs before udev loads their drivers.  Never fails the boot.
/usr/lib/gpu-initd/gpu-initd-boot || :
