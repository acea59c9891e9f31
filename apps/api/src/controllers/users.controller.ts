import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import type { z } from 'zod';
import { createUserSchema, signingPasswordSchema, createdUserSchema, rotatedTokenSchema, userSchema } from '#contract';
import { type Actor, type Caller, SignatureService, UserService, userIdOf } from '#domain';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

/** A user id in a path: not a UUID is a 404, like an unknown one. */
const userId = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UserService,
    private readonly signatures: SignatureService,
  ) {}

  /** The caller: role, sites, when its token expires, whether it has a signing password and whether signing is locked. */
  @Get('me')
  me(@CurrentActor() actor: Actor): Promise<z.output<typeof userSchema>> {
    return this.users.me(actor);
  }

  /**
   * Sets the caller's signing password (the first, or a new one after an admin reset), or changes
   * it: a change needs `currentPassword`. Stored only as a scrypt hash.
   */
  @Post('me/signing-password')
  @HttpCode(204)
  async setSigningPassword(@Body(new ZodPipe(signingPasswordSchema)) body: z.infer<typeof signingPasswordSchema>, @CurrentCaller() caller: Caller) {
    await this.signatures.setSigningPassword(caller, body);
  }

  /** A new token for the caller; the old one stops working at once. */
  @Post('me/token')
  @HttpCode(200)
  rotateOwnToken(@CurrentCaller() caller: Caller): Promise<z.output<typeof rotatedTokenSchema>> {
    return this.users.rotate(caller, userIdOf(caller.actor));
  }

  /** Creates a user; the token is in this answer only. */
  @Post()
  @Roles('admin')
  async create(@Body(new ZodPipe(createUserSchema)) body: z.infer<typeof createUserSchema>, @CurrentCaller() caller: Caller): Promise<z.output<typeof createdUserSchema>> {
    const { user, token } = await this.users.create(caller, body);
    return { ...user, token };
  }

  @Get()
  @Roles('admin')
  list(): Promise<Array<z.output<typeof userSchema>>> {
    return this.users.list();
  }

  /** Revokes a user and its token at once. */
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async revoke(@Param('id', userId) id: string, @CurrentCaller() caller: Caller) {
    await this.users.revoke(caller, id);
  }

  /** A new token for a user (to hand over in person); the old one stops working at once. */
  @Post(':id/token')
  @Roles('admin')
  @HttpCode(200)
  rotateToken(@Param('id', userId) id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof rotatedTokenSchema>> {
    return this.users.rotate(caller, id);
  }

  /** Removes a user's signing password (a forgotten one, or one that may be known to someone else): the user must set a new one. */
  @Post(':id/signing-password/reset')
  @Roles('admin')
  @HttpCode(204)
  async resetSigningPassword(@Param('id', userId) id: string, @CurrentCaller() caller: Caller) {
    await this.signatures.reset(caller, id);
  }

  /** Unlocks signing for a user locked out by wrong signing passwords in a row. */
  @Post(':id/signing-password/unlock')
  @Roles('admin')
  @HttpCode(204)
  async unlockSigning(@Param('id', userId) id: string, @CurrentCaller() caller: Caller) {
    await this.signatures.unlock(caller, id);
  }
}
