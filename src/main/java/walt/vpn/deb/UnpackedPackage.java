package walt.vpn.deb;

import java.util.List;
import java.util.Map;

/**
 * A package unpacked into a tree but not configured: what dpkg's database must say about it.
 *
 * @param name       the package name
 * @param arch       its architecture ({@code all} included)
 * @param version    its version, as the control file says
 * @param multiArchSame whether it is {@code Multi-Arch: same}, which qualifies its database
 *                   file names with the architecture ({@code libc6:arm64.list})
 * @param control    the control paragraph, as the status file will hold it (Status added)
 * @param paths      every path of its data archive, archive root first as {@code /.}, as its
 *                   {@code .list} file records them (logical paths: {@code /bin/sh} even when
 *                   {@code /bin} is a symlink)
 * @param md5sums    the {@code md5sums} file: the package's own, or computed when it ships none
 * @param conffiles  its configuration files, unpacked as {@code NAME.dpkg-new} until configured
 * @param controlMembers the other members of its control archive ({@code preinst}, {@code
 *                   templates}, ...) by name, to go to {@code /var/lib/dpkg/info}
 */
public record UnpackedPackage(String name, String arch, String version, boolean multiArchSame,
                              StatusParagraph control, List<String> paths, String md5sums,
                              List<String> conffiles, Map<String, DebArchive.ControlMember> controlMembers) {

    public UnpackedPackage {
        paths = List.copyOf(paths);
        conffiles = List.copyOf(conffiles);
        controlMembers = Map.copyOf(controlMembers);
    }

    /** How dpkg names the package in its info directory and messages: {@code name[:arch]}. */
    public String infoName() {
        return multiArchSame ? name + ":" + arch : name;
    }

    /** Whether it has a maintainer script or control file of that name. */
    public boolean has(String member) {
        return controlMembers.containsKey(member);
    }
}
