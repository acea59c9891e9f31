import { NotFoundError } from '#domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not even a UUID names nothing: a 404 naming it (`Patient x does not exist.`), like any unknown one. */
export const uuidParam = (noun: string) => ({
  transform(id: string) {
    if (!UUID.test(id)) throw new NotFoundError(`${noun} ${id} does not exist.`);
    return id.toLowerCase();
  },
});
