# U-Boot script on the VM's small read-only disk. U-Boot's default boot order tries the
# virtio disk before the network, so this runs first: it network-boots (DHCP, then the boot
# script or EFI binary the WalT server offers by TFTP) and, if that fails (server not
# answering yet, tunnel down), resets the VM to try again instead of stopping at a prompt.
echo walt-vpn: network boot through the tunnel
run bootcmd_dhcp
echo walt-vpn: network boot failed, starting again in 5 s
sleep 5
reset
