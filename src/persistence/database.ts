/**
 * The lab's one IndexedDB database: the only module that opens it. Everything a person makes
 * (cached images, volumes, snapshots, instances, hibernation states, settings) lives here, so a
 * reload or a closed tab loses nothing. Schema changes are versioned upgrades that migrate
 * what earlier versions wrote.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import { Ec2Error } from "../shared/errors.ts";

const DATABASE_NAME = "tabcloud";
export const DATABASE_VERSION = 6;

/** A verified image file, stored once however many images use it (its key is its SHA-256). */
export interface StoredBlob {
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly bytes: ArrayBuffer;
}

/** An image (AMI) this browser holds: one served by the catalog and cached, or one made here. */
export interface StoredImage {
  readonly imageId: string;
  /** The image's manifest, kept as given: its layout is the images module's, which validates it when read back. */
  readonly manifest: unknown;
  /** "catalog": downloaded from the served catalog; "created": createImage; "imported": a file the user gave. */
  readonly source: "catalog" | "created" | "imported";
  readonly registeredAt: string;
  /** For created images: the snapshot whose blocks lie over the manifest's root volume file. */
  readonly rootSnapshotId: string | null;
}

/** What a volume's unwritten blocks read as: an image file (by SHA-256) or zeros. */
export type VolumeBase = { readonly kind: "blob"; readonly sha256: string } | { readonly kind: "zero" };

export interface StoredVolume {
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly volumeType: "gp3";
  readonly createTime: string;
  readonly base: VolumeBase;
  /** The snapshot it was created from, as EC2's SnapshotId ("" when none). */
  readonly snapshotId: string;
  readonly attachment: { readonly instanceId: string; readonly device: string; readonly deleteOnTermination: boolean } | null;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
}

export interface StoredSnapshot {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly base: VolumeBase;
  readonly startTime: string;
  readonly description: string;
  /** Bytes of blocks it holds beyond its base: what it costs to keep. */
  readonly storedBytes: number;
}

/**
 * The hypervisor's record of one instance, as it must come back after a reload. Its layout is
 * the hypervisor's (versioned there, and validated when read back): this module keeps it whole
 * and knows only its key.
 */
export interface StoredInstance {
  readonly instance: { readonly instanceId: string };
  readonly [field: string]: unknown;
}

/** A person's progress through one lab. */
export interface StoredLabProgress {
  readonly labId: string;
  /** Index of the step the person is on; equal to the step count once the lab is complete. */
  readonly currentStep: number;
  /** Steps whose checks have passed, by index. */
  readonly passedSteps: readonly number[];
  /** How many hints of each step the person has revealed, by step index. */
  readonly hintsShown: Readonly<Record<number, number>>;
  /** Steps whose solution the person chose to see. */
  readonly solutionsShown: readonly number[];
  /** The instance the lab works on, once there is one. */
  readonly instanceId: string | null;
  readonly startedAt: string;
  readonly completedAt: string | null;
}

/**
 * One network resource (a VPC, subnet, internet gateway, route table, security group, network
 * interface): its layout is the hypervisor's, versioned there and validated when read back.
 */
export interface StoredNetworkResource {
  readonly id: string;
  readonly [field: string]: unknown;
}

/**
 * One launch template with all its versions: its layout is the hypervisor's, versioned there and
 * validated when read back.
 */
export interface StoredLaunchTemplate {
  readonly launchTemplateId: string;
  readonly [field: string]: unknown;
}

/** A saved state and the record of its devices, which the hypervisor writes and reads (versioned there). */
export interface StoredHibernation {
  readonly state: ArrayBuffer;
  /** null for a state kept before devices were recorded. */
  readonly devices: unknown;
}

/**
 * A golden state's record: what it is of (its identity, the hypervisor's layout, validated when
 * read back), its size and checksum, and its boot's console messages. The state's bytes are kept
 * apart (goldenStateBytes), so listing them reads no state.
 */
export interface StoredGoldenState {
  readonly key: string;
  readonly imageId: string;
  readonly identity: unknown;
  /** The devices the state was saved with (the hypervisor's layout, as for hibernations). */
  readonly devices: unknown;
  readonly sizeBytes: number;
  readonly rawBytes: number;
  /** SHA-256 of the stored (compressed) bytes, checked before every restore. */
  readonly sha256: string;
  readonly createdAt: string;
  readonly bootConsole: string;
  /** The guest agent's version in the saved state: how the clone is told who it is (absent: 1). */
  readonly agentVersion?: number;
}

interface TabcloudSchema extends DBSchema {
  blobs: { key: string; value: StoredBlob };
  images: { key: string; value: StoredImage };
  volumes: { key: string; value: StoredVolume };
  /** One 4 KiB block a volume's guest wrote, keyed [volumeId, block index]. */
  volumeBlocks: { key: [string, number]; value: Uint8Array };
  snapshots: { key: string; value: StoredSnapshot };
  snapshotBlocks: { key: [string, number]; value: Uint8Array };
  instances: { key: string; value: StoredInstance };
  /**
   * A hibernated instance's saved emulator state (gzip) and the devices it was saved with, keyed
   * by instance id; a state kept before devices were recorded is the bare ArrayBuffer.
   */
  hibernations: { key: string; value: StoredHibernation | ArrayBuffer };
  settings: { key: string; value: unknown };
  labProgress: { key: string; value: StoredLabProgress };
  network: { key: string; value: StoredNetworkResource };
  goldenStates: { key: string; value: StoredGoldenState };
  /** A golden state's gzip-compressed emulator state, keyed like its record. */
  goldenStateBytes: { key: string; value: ArrayBuffer };
  launchTemplates: { key: string; value: StoredLaunchTemplate };
}

export type TabcloudDatabase = IDBPDatabase<TabcloudSchema>;
type StoreName = StoreNames<TabcloudSchema>;

/** The image record as version 1 wrote it: only catalog images, with the time they were cached. */
interface ImageRecordV1 {
  readonly imageId: string;
  readonly manifest: unknown;
  readonly cachedAt: string;
}

type UpgradeTransaction = IDBPTransaction<TabcloudSchema, StoreName[], "versionchange">;

/**
 * Each step upgrades from the version before it. Version 1 held only the image cache (blobs
 * and images); version 2 adds volumes, snapshots, instances, hibernations and settings, and
 * says where each image came from; version 3 adds progress through the labs; version 4 adds the
 * network's resources; version 5 adds golden states (a fresh boot's saved state, for fast launch); version 6 adds
 * launch templates.
 */
const UPGRADES: readonly ((db: TabcloudDatabase, transaction: UpgradeTransaction) => Promise<void> | void)[] = [
  (db) => {
    db.createObjectStore("blobs", { keyPath: "sha256" });
    db.createObjectStore("images", { keyPath: "imageId" });
  },
  async (db, transaction) => {
    db.createObjectStore("volumes", { keyPath: "volumeId" });
    db.createObjectStore("volumeBlocks");
    db.createObjectStore("snapshots", { keyPath: "snapshotId" });
    db.createObjectStore("snapshotBlocks");
    db.createObjectStore("instances", { keyPath: "instance.instanceId" });
    db.createObjectStore("hibernations");
    db.createObjectStore("settings");
    const images = transaction.objectStore("images");
    for (let cursor = await images.openCursor(); cursor; cursor = await cursor.continue()) {
      const old = cursor.value as unknown as ImageRecordV1;
      const upgraded: StoredImage = {
        imageId: old.imageId,
        manifest: old.manifest,
        source: "catalog",
        registeredAt: old.cachedAt,
        rootSnapshotId: null,
      };
      await cursor.update(upgraded);
    }
  },
  (db) => {
    db.createObjectStore("labProgress", { keyPath: "labId" });
  },
  (db) => {
    db.createObjectStore("network", { keyPath: "id" });
  },
  (db) => {
    db.createObjectStore("goldenStates", { keyPath: "key" });
    db.createObjectStore("goldenStateBytes");
  },
  (db) => {
    db.createObjectStore("launchTemplates", { keyPath: "launchTemplateId" });
  },
];

export interface OpenOptions {
  readonly name?: string;
  /** Another tab holds an older version open and does not close it. */
  readonly onBlocked?: () => void;
  /** The browser closed the database under us (storage cleared, disk trouble). */
  readonly onTerminated?: () => void;
}

export async function openTabcloudDatabase(options: OpenOptions = {}, version = DATABASE_VERSION): Promise<TabcloudDatabase> {
  try {
    const db = await openDB<TabcloudSchema>(options.name ?? DATABASE_NAME, version, {
      async upgrade(db, oldVersion, newVersion, transaction) {
        for (let step = oldVersion; step < (newVersion ?? version); step++) await UPGRADES[step]?.(db, transaction);
      },
      blocked: () => options.onBlocked?.(),
      // A newer version in another tab wants the database: let it, rather than block it forever.
      blocking: () => db.close(),
      terminated: () => options.onTerminated?.(),
    });
    return db;
  } catch (error) {
    throw storageError(error, "open the lab's storage");
  }
}

/** Turns an IndexedDB failure into an error a person can act on. */
export function storageError(error: unknown, doing: string): Ec2Error {
  if (error instanceof Ec2Error) return error;
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "QuotaExceededError") {
    return new Ec2Error(
      "StorageQuotaExceeded",
      `Cannot ${doing}: this browser's storage for the lab is full. Delete snapshots, volumes or cached images you no longer need (Images, Volumes, Snapshots), then try again.`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Ec2Error("StorageError", `Cannot ${doing}: ${message || name || "IndexedDB failed"}.`);
}
