// A file PUT straight to S3 with the presigned URL the API gave, with its progress (fetch has no
// upload progress; XMLHttpRequest does). The URL is the authorization: no token is sent with it.

export const MAX_BYTES = 10 * 1024 * 1024; // API.md: at most 10 MB
export const TYPES = { "application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG" };

/** Why `file` cannot be a certificate (the service checks it again on arrival), or null. */
export function fileProblem(file) {
  if (!file) return null;
  if (!TYPES[file.type]) return "Choose a PDF, PNG or JPEG file.";
  if (file.size > MAX_BYTES) return "The file is larger than 10 MB: choose a smaller one (a PDF or a photo of the certificate).";
  if (file.size === 0) return "The file is empty.";
  return null;
}

/**
 * PUT `file` to `url`; `onProgress(sent, total)` as it goes. Resolves when S3 has it; rejects with
 * an Error whose `code` is "network", "timeout" or `http_<status>`.
 */
export function putFile(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", file.type);
    xhr.timeout = 300_000; // the URL lives at most 300 s
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    const fail = (code) => {
      const error = new Error(`upload failed: ${code}`);
      error.code = code;
      reject(error);
    };
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else fail(`http_${xhr.status}`);
    });
    xhr.addEventListener("error", () => fail("network"));
    xhr.addEventListener("timeout", () => fail("timeout"));
    xhr.send(file);
  });
}
