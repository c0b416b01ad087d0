package walt.vpn.ext4;

/** File blocks [logical, logical+length) stored at physical; a null-physical run (unwritten) reads as zeros. */
record BlockRun(long logical, long length, long physical, boolean unwritten) {
}
