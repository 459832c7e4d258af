/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The part of NVIDIA Fabric Manager's C API (the "FM SDK": nv_fm_agent.h,
 * nv_fm_types.h) that gpu-initd uses, written from its documentation:
 * NVIDIA Fabric Manager User Guide, chapter "Fabric Manager SDK" (5.1 Data
 * Structures, 5.2-5.12 the calls), and the calls as NVIDIA's own client
 * uses them (github.com/NVIDIA/Fabric-Manager-Client, fmpm.cpp: list,
 * activate, deactivate, set the activated list, NVLink-failed devices,
 * unsupported partitions).  Names, types, field order and array sizes are
 * those of the SDK, so a struct here has the layout libnvfm.so.1 expects.
 *
 * Debian ships no Fabric Manager package (no nvidia-fabricmanager or
 * -dev in trixie non-free, checked against its package list), so unlike
 * nvml.h (initd/vgpu/nvml_nvidia.h) there is no NVIDIA header to build
 * against: this transcription of the declarations is the one place they
 * live.  The library is NVIDIA's libnvfm.so.1 (the nvidia-fabricmanager
 * package: NVIDIA/yum-packaging-fabric-manager's spec installs
 * libnvfm.so.1 with the libnvfm.so link), loaded with dlopen
 * (initd/fabric/fm.c); tests/fakefm implements the same symbols. */
#pragma once

/* Return codes (SDK 5.1, fmReturn_t). */
typedef enum fmReturn_enum {
	FM_ST_SUCCESS = 0,
	FM_ST_BADPARAM = -1,
	FM_ST_GENERIC_ERROR = -2,
	FM_ST_NOT_SUPPORTED = -3,
	FM_ST_UNINITIALIZED = -4,
	FM_ST_TIMEOUT = -5,
	FM_ST_VERSION_MISMATCH = -6,
	FM_ST_IN_USE = -7,
	FM_ST_NOT_CONFIGURED = -8,
	FM_ST_CONNECTION_NOT_VALID = -9,
	FM_ST_NVLINK_ERROR = -10,
} fmReturn_t;

typedef void *fmHandle_t;

#define FM_MAX_STR_LENGTH 256
#define FM_UUID_BUFFER_SIZE 80
#define FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE 32
/* each versioned struct's version: its size with the version in bits 24.. */
#define MAKE_FM_PARAM_VERSION(typeName, ver) (unsigned int)(sizeof(typeName) | ((ver) << 24))
/* FM's command port when addressInfo names no port (FM_CMD_PORT_NUMBER) */
#define FM_CMD_PORT_NUMBER 6666

typedef struct {
	unsigned int version;
	char addressInfo[FM_MAX_STR_LENGTH]; /* "a.b.c.d[:port]" or a unix socket path */
	unsigned int timeoutMs;
	unsigned int addressIsUnixSocket;
} fmConnectParams_v1;
typedef fmConnectParams_v1 fmConnectParams_t;
#define fmConnectParams_version MAKE_FM_PARAM_VERSION(fmConnectParams_v1, 1)

#define FM_MAX_NUM_GPUS 16
#define FM_MAX_NUM_NVSWITCHES 12
#define FM_MAX_FABRIC_PARTITIONS 64
#define FM_MAX_NUM_NVLINK_PORTS 64

typedef unsigned int fmFabricPartitionId_t;

typedef struct {
	unsigned int physicalId; /* the GPU's module ID */
	char uuid[FM_UUID_BUFFER_SIZE];
	char pciBusId[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
	unsigned int numNvLinksAvailable;
	unsigned int maxNumNvLinks;
	unsigned int nvlinkLineRateMBps;
} fmFabricPartitionGpuInfo_t;

typedef struct {
	fmFabricPartitionId_t partitionId;
	unsigned int isActive;
	unsigned int numGpus;
	fmFabricPartitionGpuInfo_t gpuInfo[FM_MAX_NUM_GPUS];
} fmFabricPartitionInfo_t;

typedef struct {
	unsigned int version;
	unsigned int numPartitions;
	unsigned int maxNumPartitions;
	fmFabricPartitionInfo_t partitionInfo[FM_MAX_FABRIC_PARTITIONS];
} fmFabricPartitionList_v2;
typedef fmFabricPartitionList_v2 fmFabricPartitionList_t;
#define fmFabricPartitionList_version MAKE_FM_PARAM_VERSION(fmFabricPartitionList_v2, 1)

typedef struct {
	unsigned int version;
	unsigned int numPartitions;
	fmFabricPartitionId_t partitionIds[FM_MAX_FABRIC_PARTITIONS];
} fmActivatedFabricPartitionList_v1;
typedef fmActivatedFabricPartitionList_v1 fmActivatedFabricPartitionList_t;
#define fmActivatedFabricPartitionList_version MAKE_FM_PARAM_VERSION(fmActivatedFabricPartitionList_v1, 1)

typedef struct {
	char uuid[FM_UUID_BUFFER_SIZE];
	char pciBusId[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
	unsigned int numPorts;
	unsigned int portNum[FM_MAX_NUM_NVLINK_PORTS];
} fmNvlinkFailedDeviceInfo_t;

typedef struct {
	unsigned int version;
	unsigned int numGpus;
	unsigned int numSwitches;
	fmNvlinkFailedDeviceInfo_t gpuInfo[FM_MAX_NUM_GPUS];
	fmNvlinkFailedDeviceInfo_t switchInfo[FM_MAX_NUM_NVSWITCHES];
} fmNvlinkFailedDevices_v1;
typedef fmNvlinkFailedDevices_v1 fmNvlinkFailedDevices_t;
#define fmNvlinkFailedDevices_version MAKE_FM_PARAM_VERSION(fmNvlinkFailedDevices_v1, 1)

typedef struct {
	fmFabricPartitionId_t partitionId;
	unsigned int numGpus;
	unsigned int gpuPhysicalIds[FM_MAX_NUM_GPUS];
} fmUnsupportedFabricPartitionInfo_t;

typedef struct {
	unsigned int version;
	unsigned int numPartitions;
	fmUnsupportedFabricPartitionInfo_t partitionInfo[FM_MAX_FABRIC_PARTITIONS];
} fmUnsupportedFabricPartitionList_v1;
typedef fmUnsupportedFabricPartitionList_v1 fmUnsupportedFabricPartitionList_t;
#define fmUnsupportedFabricPartitionList_version MAKE_FM_PARAM_VERSION(fmUnsupportedFabricPartitionList_v1, 1)

/* The calls (SDK 5.2-5.12).  fmLibInit before fmConnect; after an FM
 * restart in its resiliency mode (FABRIC_MODE_RESTART=1) the hypervisor
 * tells FM which partitions are active with fmSetActivatedFabricPartitions,
 * with zero partitions when none is (5.10). */
fmReturn_t fmLibInit(void);
fmReturn_t fmLibShutdown(void);
fmReturn_t fmConnect(fmConnectParams_t *connectParams, fmHandle_t *pFmHandle);
fmReturn_t fmDisconnect(fmHandle_t pFmHandle);
fmReturn_t fmGetSupportedFabricPartitions(fmHandle_t pFmHandle, fmFabricPartitionList_t *pFmFabricPartition);
fmReturn_t fmActivateFabricPartition(fmHandle_t pFmHandle, fmFabricPartitionId_t partitionId);
fmReturn_t fmDeactivateFabricPartition(fmHandle_t pFmHandle, fmFabricPartitionId_t partitionId);
fmReturn_t fmSetActivatedFabricPartitions(fmHandle_t pFmHandle,
					  fmActivatedFabricPartitionList_t *pFmActivatedPartitionList);
fmReturn_t fmGetNvlinkFailedDevices(fmHandle_t pFmHandle, fmNvlinkFailedDevices_t *pFmNvlinkFailedDevices);
fmReturn_t fmGetUnsupportedFabricPartitions(fmHandle_t pFmHandle,
					    fmUnsupportedFabricPartitionList_t *pFmUnupportedFabricPartition);
