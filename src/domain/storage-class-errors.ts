// A storage class change the image's state does not allow (ECR's
// ImageStorageClassUpdateNotSupportedException): thrown by the storage-class service, rendered
// by name at the ECR boundary.

export class StorageClassUpdateNotSupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageClassUpdateNotSupported';
  }
}
