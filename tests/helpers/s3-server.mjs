// s3rver in a process of its own: `node --openssl-legacy-provider s3-server.mjs DIR` prints "listening PORT".
// The flag: s3rver's list continuation tokens use DES, which Node's OpenSSL 3 keeps in its legacy
// provider; without it any listing of more than 1,000 keys answers 500.
import S3rver from "s3rver";

const server = new S3rver({ port: 0, address: "127.0.0.1", directory: process.argv[2], silent: true });
const { port } = await server.run();
process.stdout.write(`listening ${port}\n`);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
