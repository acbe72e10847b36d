/* SPDX-License-Identifier: GPL-2.0 */
/* CO-RE shims for kernel structures that changed shape between the kernels execgate
 * supports (Debian 12's 6.1 and newer).  vmlinux.h comes from the build machine, so the
 * old layouts are spelled out here as ___flavour structs and chosen at load time. */
#ifndef EXECGATE_COMPAT_BPF_H
#define EXECGATE_COMPAT_BPF_H

/* Up to 6.5: struct timespec64 i_mtime, i_ctime. */
struct inode___timespec {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* 6.6: i_ctime became __i_ctime (13bc24457850 "fs: rename i_ctime field to __i_ctime"). */
struct inode___ctime_renamed {
	struct timespec64 i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

/* 6.7 to 6.10: i_mtime became __i_mtime (12cd44023651 "fs: rename inode i_atime and
 * i_mtime fields"). */
struct inode___times_renamed {
	struct timespec64 __i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

/* 6.11 on: discrete i_{m,c}time_{sec,nsec} (3aa63a569c64 "fs: switch timespec64 fields in
 * inode to discrete integers"); vmlinux.h from a current kernel already has them.  Since
 * 6.13 bit 31 of i_ctime_nsec flags a queried ctime (multigrain timestamps, 4e40eff0b573
 * "fs: add infrastructure for multigrain timestamps"); it is not part of the time. */
#define EG_CTIME_QUERIED_BIT (1U << 31)

struct eg_file_version {
	__s64 ctime_sec;
	__s64 mtime_sec;
	__u32 ctime_nsec;
	__u32 mtime_nsec;
	__s64 size;
};

static __always_inline void eg_inode_version(struct inode *inode, struct eg_file_version *ret)
{
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		ret->ctime_sec = BPF_CORE_READ(inode, i_ctime_sec);
		ret->ctime_nsec = BPF_CORE_READ(inode, i_ctime_nsec) & ~EG_CTIME_QUERIED_BIT;
		ret->mtime_sec = BPF_CORE_READ(inode, i_mtime_sec);
		ret->mtime_nsec = BPF_CORE_READ(inode, i_mtime_nsec);
	} else if (bpf_core_field_exists(((struct inode___times_renamed *)inode)->__i_mtime)) {
		struct inode___times_renamed *old = (void *)inode;

		ret->ctime_sec = BPF_CORE_READ(old, __i_ctime.tv_sec);
		ret->ctime_nsec = BPF_CORE_READ(old, __i_ctime.tv_nsec);
		ret->mtime_sec = BPF_CORE_READ(old, __i_mtime.tv_sec);
		ret->mtime_nsec = BPF_CORE_READ(old, __i_mtime.tv_nsec);
	} else if (bpf_core_field_exists(((struct inode___ctime_renamed *)inode)->__i_ctime)) {
		struct inode___ctime_renamed *old = (void *)inode;

		ret->ctime_sec = BPF_CORE_READ(old, __i_ctime.tv_sec);
		ret->ctime_nsec = BPF_CORE_READ(old, __i_ctime.tv_nsec);
		ret->mtime_sec = BPF_CORE_READ(old, i_mtime.tv_sec);
		ret->mtime_nsec = BPF_CORE_READ(old, i_mtime.tv_nsec);
	} else {
		struct inode___timespec *old = (void *)inode;

		ret->ctime_sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		ret->ctime_nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
		ret->mtime_sec = BPF_CORE_READ(old, i_mtime.tv_sec);
		ret->mtime_nsec = BPF_CORE_READ(old, i_mtime.tv_nsec);
	}
	ret->size = BPF_CORE_READ(inode, i_size);
}

#endif
